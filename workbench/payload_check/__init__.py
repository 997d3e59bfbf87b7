"""The payload check for the app: check pasted text, pick what to send, explain a server's refusal."""
