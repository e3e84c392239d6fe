"""Partner search: profiles and project ideas organisations publish, found with the catalogue's stemming."""
