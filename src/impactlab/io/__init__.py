"""impactlab.io"""
