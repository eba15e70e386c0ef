"""Template CAD plugin: a chat_message action, its executor and an investigation."""
