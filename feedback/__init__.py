"""Feedback: customer feedback, correction requests and the problem log."""
