"""The home page: what is waiting for the person signed in, read across the domain apps."""
