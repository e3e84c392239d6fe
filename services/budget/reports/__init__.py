"""The public budget reports: the budget and its drill-downs (`figures`), and the utilisation report
with its CSV and SVG renderings (`utilisation`). Read-only; every figure in the programme's currency."""
