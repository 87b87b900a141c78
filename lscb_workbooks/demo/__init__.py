"""The whole loop on synthetic returns: templates, coordinators filling them in, collation."""
