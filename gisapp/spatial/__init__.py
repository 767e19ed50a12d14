"""Spatial questions about a municipality's assets: within an area or a district, within a
distance of a point or a line, the nearest N, counts and energy sums per district and type,
assets without a label, assets overdue. The filters are shared with the exports."""
