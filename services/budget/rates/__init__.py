"""Exchange rates: converting an amount into a programme's currency (`conversion`), the monthly accounting
rates and a programme's fixed rates as admins set them, and the Commission's InforEuro files
(`inforeuro`)."""
