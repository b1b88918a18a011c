"""Reading a synthesized CloudFormation template: intrinsic functions and resource order.

The resolver evaluates the intrinsic functions CDK emits (Ref, Fn::GetAtt, Fn::Join, Fn::Sub,
Fn::Select, Fn::Split, Fn::If, Fn::Equals/And/Or/Not, Fn::FindInMap, Fn::Base64, Fn::GetAZs,
Fn::ToJsonString) over a map of logical id → local physical values that the provisioner fills
in as it creates resources. Resources the runtime does not emulate (IAM roles, log groups,
alarms, ...) get stable placeholder values so that references to them still resolve.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("tawasul.local.template")

DEFAULT_REGION = "me-south-1"
DEFAULT_ACCOUNT_ID = "123456789012"


class TemplateError(Exception):
    """The template cannot be read or resolved."""


class _NoValue:
    """`Ref: AWS::NoValue` — the property (or list item) disappears."""

    def __repr__(self) -> str:
        return "AWS::NoValue"


NO_VALUE = _NoValue()

_SUB_PATTERN = re.compile(r"\$\{([^}]*)\}")


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    metadata: dict[str, Any]
    depends_on: tuple[str, ...]
    condition: str | None


@dataclass
class Template:
    body: dict[str, Any]
    resources: dict[str, Resource] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Template:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise TemplateError(f"cannot read template {path}: {exc}") from exc
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"template {path} is not JSON: {exc}") from exc
        return cls.from_dict(body)

    @classmethod
    def from_dict(cls, body: Mapping[str, Any]) -> Template:
        raw = dict(body)
        resources: dict[str, Resource] = {}
        for logical_id, spec in (raw.get("Resources") or {}).items():
            if not isinstance(spec, dict) or "Type" not in spec:
                raise TemplateError(f"resource {logical_id} has no Type")
            depends = spec.get("DependsOn") or ()
            if isinstance(depends, str):
                depends = (depends,)
            resources[logical_id] = Resource(
                logical_id=logical_id,
                type=str(spec["Type"]),
                properties=dict(spec.get("Properties") or {}),
                metadata=dict(spec.get("Metadata") or {}),
                depends_on=tuple(depends),
                condition=spec.get("Condition"),
            )
        return cls(body=raw, resources=resources)

    def of_type(self, *types: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type in types]

    def order(self, ids: Iterable[str] | None = None) -> list[str]:
        """Logical ids in dependency order (stable: template order among independent ones)."""
        wanted = list(self.resources) if ids is None else [i for i in self.resources if i in set(ids)]
        wanted_set = set(wanted)
        deps = {i: self.dependencies(i) & wanted_set for i in wanted}
        ordered: list[str] = []
        done: set[str] = set()
        remaining = list(wanted)
        while remaining:
            progressed = False
            for logical_id in list(remaining):
                if deps[logical_id] <= done:
                    ordered.append(logical_id)
                    done.add(logical_id)
                    remaining.remove(logical_id)
                    progressed = True
            if not progressed:
                raise TemplateError(f"circular dependency between {sorted(remaining)}")
        return ordered

    def dependencies(self, logical_id: str) -> set[str]:
        """Resources that `logical_id` refers to (Ref, GetAtt, Sub, DependsOn)."""
        resource = self.resources[logical_id]
        found = set(resource.depends_on)
        _collect_references(resource.properties, found)
        return {d for d in found if d in self.resources and d != logical_id}

    def dependents_closure(self, roots: Iterable[str]) -> set[str]:
        """`roots` and every resource that depends on one of them, directly or not."""
        closure = set(roots)
        changed = True
        while changed:
            changed = False
            for logical_id in self.resources:
                if logical_id not in closure and self.dependencies(logical_id) & closure:
                    closure.add(logical_id)
                    changed = True
        return closure


def _collect_references(value: Any, found: set[str]) -> None:
    if isinstance(value, dict):
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return
            if key == "Fn::GetAtt":
                target = arg[0] if isinstance(arg, list) else str(arg).split(".", 1)[0]
                found.add(str(target))
                return
            if key == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) else arg
                local_vars = arg[1] if isinstance(arg, list) and len(arg) > 1 else {}
                if isinstance(text, str):
                    for name in _SUB_PATTERN.findall(text):
                        if not name.startswith("!") and name.split(".", 1)[0] not in local_vars:
                            found.add(name.split(".", 1)[0])
                if isinstance(local_vars, dict):
                    _collect_references(local_vars, found)
                return
        for item in value.values():
            _collect_references(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_references(item, found)


class Resolver:
    """Evaluates intrinsic functions against local physical values.

    `physical[logical_id]` is what `Ref` returns; `attributes[logical_id][name]` what
    `Fn::GetAtt` returns. Resources that were skipped (not emulated) resolve to placeholders.
    """

    def __init__(
        self,
        template: Template,
        *,
        region: str = DEFAULT_REGION,
        account_id: str = DEFAULT_ACCOUNT_ID,
        partition: str = "aws",
        url_suffix: str = "amazonaws.com",
        stack_name: str = "Tawasul",
        parameters: Mapping[str, Any] | None = None,
    ) -> None:
        self.template = template
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self.url_suffix = url_suffix
        self.stack_name = stack_name
        self.stack_id = f"arn:{partition}:cloudformation:{region}:{account_id}:stack/{stack_name}/local"
        self.parameters = dict(parameters or {})
        self.physical: dict[str, Any] = {}
        self.attributes: dict[str, dict[str, Any]] = {}
        self._conditions: dict[str, bool] = {}

    # -- values the provisioner records
    def set(self, logical_id: str, ref: Any, **attributes: Any) -> None:
        self.physical[logical_id] = ref
        self.attributes.setdefault(logical_id, {}).update(attributes)

    def is_known(self, logical_id: str) -> bool:
        return logical_id in self.physical

    # -- pseudo parameters and parameters
    def _pseudo(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account_id,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": self.stack_id,
            "AWS::NotificationARNs": [],
            "AWS::NoValue": NO_VALUE,
        }
        if name not in pseudo:
            raise TemplateError(f"unknown pseudo parameter {name}")
        return pseudo[name]

    def _parameter(self, name: str) -> Any:
        if name in self.parameters:
            return self.parameters[name]
        spec = (self.template.body.get("Parameters") or {}).get(name)
        if spec is None:
            return None
        if "Default" not in spec:
            raise TemplateError(f"parameter {name} has no Default and no local value")
        return spec["Default"]

    def ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self._pseudo(name)
        if name in (self.template.body.get("Parameters") or {}) or name in self.parameters:
            return self._parameter(name)
        if name in self.physical:
            return self.physical[name]
        if name in self.template.resources:
            resource = self.template.resources[name]
            if _provisioned_later(resource.type):
                raise TemplateError(f"Ref {name} ({resource.type}) used before it was provisioned")
            return name
        raise TemplateError(f"Ref to unknown {name}")

    def get_att(self, name: str, attribute: str) -> Any:
        attrs = self.attributes.get(name, {})
        if attribute in attrs:
            return attrs[attribute]
        resource = self.template.resources.get(name)
        if resource is None:
            raise TemplateError(f"Fn::GetAtt on unknown resource {name}")
        if name not in self.physical and _provisioned_later(resource.type):
            raise TemplateError(f"Fn::GetAtt {name}.{attribute} used before it was provisioned")
        placeholder = self._placeholder_attribute(resource, attribute)
        log.debug("placeholder attribute %s.%s", name, attribute)
        return placeholder

    def _placeholder_attribute(self, resource: Resource, attribute: str) -> str:
        ref = self.physical.get(resource.logical_id, resource.logical_id)
        if attribute == "Arn":
            parts = resource.type.split("::")
            service = parts[1].lower() if len(parts) > 1 else "local"
            if resource.type == "AWS::IAM::Role":
                return f"arn:{self.partition}:iam::{self.account_id}:role/{ref}"
            return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{ref}"
        return f"{ref}.{attribute}"

    # -- conditions
    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            spec = (self.template.body.get("Conditions") or {}).get(name)
            if spec is None:
                raise TemplateError(f"unknown condition {name}")
            self._conditions[name] = bool(self._evaluate_condition(spec))
        return self._conditions[name]

    def _evaluate_condition(self, spec: Any) -> Any:
        if isinstance(spec, dict) and len(spec) == 1:
            ((key, arg),) = spec.items()
            if key == "Condition":
                return self.condition(arg)
            if key == "Fn::Equals":
                left, right = (self._evaluate_condition(a) for a in arg)
                return str(left) == str(right) if not isinstance(left, list) else left == right
            if key == "Fn::Not":
                return not self._evaluate_condition(arg[0])
            if key == "Fn::And":
                return all(self._evaluate_condition(a) for a in arg)
            if key == "Fn::Or":
                return any(self._evaluate_condition(a) for a in arg)
            if key == "Fn::Contains":
                haystack, needle = (self._evaluate_condition(a) for a in arg)
                return needle in (haystack or [])
        return self.resolve(spec)

    def resource_enabled(self, resource: Resource) -> bool:
        if resource.condition is None:
            return True
        try:
            return self.condition(resource.condition)
        except TemplateError:
            log.debug(
                "condition %s of %s cannot be evaluated: skipped", resource.condition, resource.logical_id
            )
            return False

    # -- intrinsic functions
    def resolve(self, value: Any) -> Any:
        """Resolve every intrinsic function in `value` (recursively); `AWS::NoValue` disappears."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                    return self._intrinsic(key, arg)
            out: dict[str, Any] = {}
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        return value

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(str(arg))
        if key == "Condition":
            return self.condition(str(arg))
        handler = getattr(self, "_fn_" + key[4:].lower(), None)
        if handler is None:
            raise TemplateError(f"unsupported intrinsic {key}")
        return handler(arg)

    def _fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            name, _, attribute = arg.partition(".")
        else:
            name, attribute = str(arg[0]), str(self.resolve(arg[1]))
        return self.get_att(name, attribute)

    def _fn_join(self, arg: Any) -> str:
        delimiter, items = arg
        resolved = self.resolve(items)
        if not isinstance(resolved, list):
            raise TemplateError("Fn::Join needs a list")
        return str(delimiter).join(_scalar(i) for i in resolved)

    def _fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], self.resolve(arg[1] if len(arg) > 1 else {})
        else:
            text, variables = arg, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return _scalar(variables[name])
            if name.startswith("AWS::"):
                return _scalar(self._pseudo(name))
            if "." in name:
                logical, attribute = name.split(".", 1)
                return _scalar(self.get_att(logical, attribute))
            return _scalar(self.ref(name))

        return _SUB_PATTERN.sub(replace, str(text))

    def _fn_select(self, arg: Any) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        try:
            return items[int(index)]
        except (IndexError, TypeError, ValueError) as exc:
            raise TemplateError(f"Fn::Select index {index} out of range") from exc

    def _fn_split(self, arg: Any) -> list[str]:
        delimiter, text = arg[0], self.resolve(arg[1])
        return str(text).split(str(delimiter))

    def _fn_if(self, arg: Any) -> Any:
        name, when_true, when_false = arg
        try:
            chosen = when_true if self.condition(str(name)) else when_false
        except TemplateError:
            log.debug("condition %s cannot be evaluated: false branch", name)
            chosen = when_false
        return self.resolve(chosen)

    def _fn_equals(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::Equals": arg}))

    def _fn_not(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::Not": arg}))

    def _fn_and(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::And": arg}))

    def _fn_or(self, arg: Any) -> bool:
        return bool(self._evaluate_condition({"Fn::Or": arg}))

    def _fn_findinmap(self, arg: Any) -> Any:
        mapping, top, second = (self.resolve(a) for a in arg[:3])
        try:
            return self.template.body["Mappings"][mapping][top][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap {mapping}/{top}/{second} not found") from exc

    def _fn_base64(self, arg: Any) -> str:
        return base64.b64encode(_scalar(self.resolve(arg)).encode()).decode()

    def _fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.region
        return [f"{region}{suffix}" for suffix in "abc"]

    def _fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))

    def _fn_importvalue(self, arg: Any) -> Any:
        raise TemplateError(f"Fn::ImportValue {arg} cannot be resolved locally")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        raise TemplateError(f"expected a scalar, got {type(value).__name__}")
    return str(value)


# Types whose physical values only exist once the provisioner created them: referring to one
# too early is a bug in the ordering, not something to paper over with a placeholder.
_PROVISIONED_LATER = frozenset(
    {
        "AWS::DynamoDB::Table",
        "AWS::DynamoDB::GlobalTable",
        "AWS::S3::Bucket",
        "AWS::Events::EventBus",
        "AWS::StepFunctions::StateMachine",
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::Cognito::UserPool",
        "AWS::Cognito::UserPoolClient",
    }
)


def _provisioned_later(resource_type: str) -> bool:
    return (
        resource_type in _PROVISIONED_LATER
        or resource_type.startswith("Custom::")
        or resource_type == "AWS::CloudFormation::CustomResource"
    )
