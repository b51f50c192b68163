"""newswire: a streaming enrichment pipeline for wire-service news.

Raw articles arrive on a Kafka topic; an Apache Beam graph (``pipeline.graph``) decodes
and cleans them (``pipeline.clean``), runs the NLP, entity and event stages
(``pipeline.nlp``, ``pipeline.entities``, ``pipeline.events``) and writes typed Avro
records (``schemas/``) through ``pipeline.io``. ``pipeline.cli`` is the ``newswire``
command.
"""

__version__ = "0.2.0"
SCHEMA_VERSION = "newswire.v1"
