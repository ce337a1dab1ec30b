"""Reports: JSON data, the Excel workbook, the terminal summary."""
