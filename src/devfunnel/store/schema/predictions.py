"""The success-probability model: its trained versions and its current predictions.

A model version keeps everything needed to explain and reproduce what it predicts: when it
was trained and as of when its features were read, the feature list, its quality metrics,
and the fitted estimator itself (joblib bytes; the database is trusted like the code).
"""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema.columns import Json, Timestamp, id_column, metadata, ref

success_models = sa.Table(
    "success_models", metadata,
    id_column(),
    sa.Column("trained_at", Timestamp, nullable=False, index=True),
    #: The time features and outcomes were read as of (the demo's --as-of, or now).
    sa.Column("as_of", Timestamp, nullable=False),
    sa.Column("algorithm", sa.String(200), nullable=False),
    #: Feature names in the order the estimator expects them.
    sa.Column("features", Json, nullable=False),
    #: Cross-validated AUC and Brier score, counts of opportunities and snapshots.
    sa.Column("metrics", Json, nullable=False),
    sa.Column("estimator", sa.LargeBinary, nullable=False),
    #: Who asked: "worker", "command line", "demo", or a user's label.
    sa.Column("trained_by", sa.String(200)),
)  # fmt: skip

success_predictions = sa.Table(
    "success_predictions", metadata,
    #: One current prediction per open opportunity, replaced when predictions refresh.
    ref("opportunity_id", "opportunities", nullable=False, index=False),
    ref("model_id", "success_models", nullable=False),
    sa.Column("probability", sa.Double, nullable=False),
    #: Top contributing features: name, label, value and signed contribution (log-odds).
    sa.Column("why", Json, nullable=False),
    sa.Column("as_of", Timestamp, nullable=False),
    sa.Column("predicted_at", Timestamp, nullable=False),
    sa.PrimaryKeyConstraint("opportunity_id"),
)  # fmt: skip
