"""Device adapters (printer, scale, scanner, drawer, GPIO) and their byte-exact simulators."""
