"""Conversations: flows of plain async functions of a neutral event, each flow with its Router."""
