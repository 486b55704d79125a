"""The demo: a small provincial office with its teams, apps, developers and their work, loaded
by `polise demo`. It stands above every other part of Polise (it fills them all with data), so
nothing else imports it."""
