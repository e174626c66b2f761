"""impactlab.valuation"""
