"""hallfile"""
