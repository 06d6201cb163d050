"""Listening Hour (倾听一小时): the domain package. Never imports streamlit."""
