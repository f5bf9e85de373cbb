"""The demo shop (shop.py, with its history simulated by sim.py and its parts sim_*.py from
pools.py) and the small sample shop the report tests and benchmarks use (sample.py). Both write
sales with checkout.record."""
