"""Exchange rates, quoted as units per 1 EUR: converting an amount into a programme's currency
(`conversion`), the monthly accounting rates (`monthly`, imported from the Commission's InforEuro files
by `inforeuro`) and a programme's fixed rates (`fixed`)."""
