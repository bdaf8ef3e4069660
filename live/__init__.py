"""live: the audience side of a live debate."""
