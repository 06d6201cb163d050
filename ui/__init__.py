"""Streamlit-side helpers shared by app.py and pages/: sign-in state, language, navigation, formatting."""
