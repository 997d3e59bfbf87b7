"""Code that runs inside the model servers' own environments (MLServer, seldon-core).

Modules here may import only the stdlib, numpy, pandas, scikit-learn, joblib and the server
package of their environment (mlserver or seldon_core).
"""
