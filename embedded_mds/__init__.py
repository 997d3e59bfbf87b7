"""The embedded local MDS: real MLServer and Seldon Core v1 servers on 127.0.0.1.

Kept free of imports on purpose: `embedded_mds.served` is imported inside the MLServer and
seldon-core environments, which have none of the app's dependencies. Use
`embedded_mds.local_mds` for `prepare`, `up`, `down` and `status`.
"""
