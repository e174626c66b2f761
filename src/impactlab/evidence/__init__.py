"""impactlab.evidence"""
