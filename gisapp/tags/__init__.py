"""Tags: QR labels and NFC chips that lead from an asset on the street to its card."""
