"""Citizen feedback: located complaints."""
