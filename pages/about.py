import streamlit as st

from listening.core.i18n import _
from listening.safeguarding import hotlines

st.title(_("About the programme"))
st.markdown(_(
    "Listening Hour gives residents an hour of real listening, free: at the community centre, at home, or by "
    "phone. Trained volunteers from your own community listen without judging and without asking for anything."
))
st.warning(_("The service is free. No volunteer will ever ask you for money, gifts or investments."))
st.subheader(_("If you are in danger now"))
st.markdown(_("Listening volunteers are not a crisis service. Call one of these numbers at any time:"))
for line in hotlines():
    st.markdown(f"- **{line.number}** · {line.name} ({line.hours})")
