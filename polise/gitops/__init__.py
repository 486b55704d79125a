"""The GitOps kit: repo templates, stack/workflow lint and (later) deploy.

A plain Python library: it imports no Django, because it runs inside a CI runner that has
neither the portal's settings nor a database.
"""
