"""impactlab.model"""
