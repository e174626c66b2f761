"""impactlab.reports"""
