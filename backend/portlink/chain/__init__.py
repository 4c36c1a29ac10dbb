"""Chain access: the only layer that talks to web3.py and the node."""
