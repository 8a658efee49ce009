"""Conversations: plain async functions of a neutral event that return neutral replies."""
