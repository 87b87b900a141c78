"""Email drafts for a round: invitations, reminders and feedback, written as .eml files the officer sends.

The words come from plain-text templates (`invite.txt`, `chase.txt`,
`feedback.txt`) that a workspace holds its own copies of, so the officer can
edit them. Nothing is ever sent by the tool.
"""
