"""Hand-written key lists for components with no schema in schemas/otelcol/.

Each list holds the component's documented keys at v0.159 (its README and config.go, or its
upstream config.schema.yaml where one exists: tail_sampling). A mapping is closed against unknown
keys; "any" marks a part obsgen does not write and leaves unchecked (said so in docs/outputs/otel-collector.md).
Notation: "str" | "int" | "num" | "bool" | "duration" | "any", [item], {key: spec}, ("map", value).
"""

from __future__ import annotations

_TLS_CLIENT = {"insecure": "bool", "insecure_skip_verify": "bool", "server_name_override": "str",
               "ca_file": "str", "ca_pem": "str", "cert_file": "str", "cert_pem": "str", "key_file": "str",
               "key_pem": "str", "min_version": "str", "max_version": "str", "reload_interval": "duration",
               "include_system_ca_certs_pool": "bool", "cipher_suites": ["str"], "curve_preferences": ["str"]}
_RETRY = {"enabled": "bool", "initial_interval": "duration", "max_interval": "duration",
          "max_elapsed_time": "duration", "multiplier": "num", "randomization_factor": "num"}
_HTTP_CLIENT = {"endpoint": "str", "tls": _TLS_CLIENT, "headers": ("map", "str"), "timeout": "duration",
                "compression": "str", "auth": "any", "proxy_url": "str", "read_buffer_size": "int",
                "write_buffer_size": "int", "max_idle_conns": "int", "idle_conn_timeout": "duration",
                "retry_on_failure": _RETRY}

_STRING_ATTRIBUTE = {"key": "str", "values": ["str"], "enabled_regex_matching": "bool", "cache_max_size": "int",
                     "invert_match": "bool"}
# Policies that can sit anywhere (top level, inside and / drop / not).
_LEAF_POLICY = {
    "name": "str", "type": "str",
    "latency": {"threshold_ms": "int", "upper_threshold_ms": "int"},
    "numeric_attribute": {"key": "str", "min_value": "int", "max_value": "int", "invert_match": "bool"},
    "probabilistic": {"hash_salt": "str", "sampling_percentage": "num"},
    "status_code": {"status_codes": ["str"]},
    "string_attribute": _STRING_ATTRIBUTE,
    "boolean_attribute": {"key": "str", "value": "bool", "invert_match": "bool"},
    "rate_limiting": {"spans_per_second": "int"},
    "bytes_limiting": {"bytes_per_second": "int", "burst_capacity": "int"},
    "span_count": {"min_spans": "int", "max_spans": "int"},
    "trace_state": {"key": "str", "values": ["str"]},
    "ottl_condition": {"error_mode": "str", "span": ["str"], "spanevent": ["str"]},
}
_POLICY = {**_LEAF_POLICY, "and": {"and_sub_policy": [_LEAF_POLICY]}, "drop": {"drop_sub_policy": [_LEAF_POLICY]},
           "not": {"not_sub_policy": _LEAF_POLICY}, "composite": "any"}
POLICY_TYPES = frozenset({"always_sample", *(k for k in _POLICY if k not in ("name", "type"))})

_STATEMENTS = ["any"]  # a string, or a group {context, conditions, statements, error_mode}

_FIELD_RULE = {"tag_name": "str", "key": "str", "key_regex": "str", "from": "str"}
_K8S_FILTER = {"node": "str", "node_from_env_var": "str", "namespace": "str", "fields": "any", "labels": "any"}
# stanza operators: the keys every operator takes, and those of the ones obsgen writes; other
# operator types are left open (any), named in docs/outputs/otel-collector.md.
_OPERATOR_COMMON = {"type": "str", "id": "str", "output": "any", "if": "str", "on_error": "str"}
_PARSER = {**_OPERATOR_COMMON, "parse_from": "str", "parse_to": "str", "timestamp": "any", "severity": "any",
           "trace": "any", "scope_name": "any", "body": "str", "preserve_leading_whitespaces": "bool",
           "preserve_trailing_whitespaces": "bool"}
OPERATORS: dict[str, object] = {
    "container": {**_PARSER, "format": "str", "add_metadata_from_filepath": "bool", "max_log_size": "any"},
    "json_parser": {**_PARSER, "parse_ints": "bool"},
    "trace_parser": {**_OPERATOR_COMMON, "trace_id": {"parse_from": "str"}, "span_id": {"parse_from": "str"},
                     "trace_flags": {"parse_from": "str"}},
    "remove": {**_OPERATOR_COMMON, "field": "str"},
}

KEYS: dict[str, object] = {
    "k8s_attributes": {"passthrough": "bool", "auth_type": "str", "kube_config_path": "str", "context": "str",
                       "extract": {"metadata": ["str"], "labels": [_FIELD_RULE], "annotations": [_FIELD_RULE],
                                   "otel_annotations": "bool", "deployment_name_from_replicaset": "bool"},
                       "pod_association": [{"sources": [{"from": "str", "name": "str"}]}],
                       "filter": _K8S_FILTER, "exclude": "any", "wait_for_metadata": "bool",
                       "wait_for_metadata_timeout": "duration"},
    "filelog": {"include": ["str"], "exclude": ["str"], "exclude_older_than": "duration", "start_at": "str",
                "poll_interval": "duration", "max_log_size": "any", "max_concurrent_files": "int",
                "max_batches": "int", "include_file_name": "bool", "include_file_path": "bool",
                "include_file_name_resolved": "bool", "include_file_path_resolved": "bool",
                "include_file_owner_name": "bool", "include_file_owner_group_name": "bool",
                "include_file_record_number": "bool", "include_file_record_offset": "bool",
                "fingerprint_size": "any", "encoding": "str", "multiline": "any",
                "preserve_leading_whitespaces": "bool",
                "preserve_trailing_whitespaces": "bool", "force_flush_period": "duration", "storage": "str",
                "retry_on_failure": _RETRY, "header": "any", "delete_after_read": "bool", "compression": "str",
                "acquire_fs_lock": "bool", "polls_to_archive": "int", "ordering_criteria": "any",
                "attributes": ("map", "str"), "resource": ("map", "str"), "operators": ["any"]},
    "resource": {"attributes": [{"key": "str", "value": "any", "action": "str", "from_attribute": "str",
                                 "from_context": "str", "pattern": "str", "converted_type": "str"}]},
    "transform": {"error_mode": "str", "trace_statements": _STATEMENTS, "metric_statements": _STATEMENTS,
                  "log_statements": _STATEMENTS, "profile_statements": _STATEMENTS,
                  "flatten_data": "bool"},
    "tail_sampling": {"decision_wait": "duration", "num_traces": "int", "expected_new_traces_per_sec": "int",
                      "decision_cache": {"sampled_cache_size": "int", "non_sampled_cache_size": "int"},
                      "policies": [_POLICY], "sample_on_first_match": "bool",
                      "drop_pending_traces_on_shutdown": "bool", "block_on_overflow": "bool",
                      "maximum_trace_size_bytes": "int", "sampling_strategy": "str",
                      "decision_wait_after_root_received": "duration"},
    "load_balancing": {"routing_key": "str", "routing_attributes": ["str"], "timeout": "duration",
                       "protocol": {"otlp": "any"}, "resolver": {
                           "static": {"hostnames": ["str"]},
                           "dns": {"hostname": "str", "port": "str", "interval": "duration", "timeout": "duration",
                                   "quarantine": "any"},
                           "k8s": {"service": "str", "ports": ["int"], "timeout": "duration",
                                   "return_hostnames": "bool"},
                           "aws_cloud_map": "any"},
                       "retry_on_failure": _RETRY, "sending_queue": "any"},
    "prometheus_remote_write": {**_HTTP_CLIENT, "external_labels": ("map", "str"), "namespace": "str",
                                "add_metric_suffixes": "bool", "send_metadata": "bool",
                                "resource_to_telemetry_conversion": {"enabled": "bool"},
                                "target_info": {"enabled": "bool"}, "export_created_metric": {"enabled": "bool"},
                                "remote_write_queue": {"enabled": "bool", "queue_size": "int",
                                                       "num_consumers": "int"},
                                "wal": "any", "max_batch_size_bytes": "int", "max_batch_request_parallelism": "int",
                                "protobuf_message": "str", "translation_strategy": "str"},
    "health_check": {"endpoint": "str", "path": "str", "tls": "any", "response_body": "any",
                     "check_collector_pipeline": "any", "http": "any", "grpc": "any"},
    "pprof": {"endpoint": "str", "block_profile_fraction": "int", "mutex_profile_fraction": "int",
              "save_to_file": "str"},
    "forward": {},
}
