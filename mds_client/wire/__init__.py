"""Wire types of the two protocols, as pydantic models.

Data arrays are typed ``Any`` on purpose: validating 100,000 floats one by one
costs more than the call; the codecs check shapes and dtypes with numpy.
"""
