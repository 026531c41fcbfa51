"""What the portal owes a person about the records it keeps: the Data Protection Lead's pages."""
