"""Channel adapters: everything that knows a messenger's API lives below here."""
