"""The ground under every app: the domain error base and the API's error response.

Nothing here imports an app; every app may import it (the layers are stated in .importlinter).
"""
