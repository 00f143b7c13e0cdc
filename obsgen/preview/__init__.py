"""`obsgen preview` and `obsgen diff`: what a change does, for the SRE before merging.

Built only from the plan and the rendered files, like every renderer: view.py turns them into one
JSON-able view, page.py into a static page (jinja2, inline data, local assets), serve.py serves it
on 127.0.0.1, simulate.py is the burn-rate simulator the page runs in JavaScript, semdiff.py the
semantic summary of a change.
"""
