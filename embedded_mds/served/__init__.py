"""Code that runs inside the model servers' own environments (MLServer, seldon-core, MLflow).

Modules here may import only the stdlib, numpy, pandas, scikit-learn, joblib and the server
packages of their environment (mlserver and its runtimes, seldon_core, or mlflow for ``mlflow_check``).
"""
