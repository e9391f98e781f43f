"""CloudFormation resource types implemented the way CloudFormation does it: by calling the service API.

moto's CloudFormation skips types it has no model for (a warning, then ``CREATE_COMPLETE``) and
crashes on ``Fn::GetAtt`` of them. :class:`ApiResource` subclasses map a type's properties to API
calls against the embedded AWS, so the resource really exists and moto's validation applies.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import moto.cloudformation.parsing as cfn_parsing
from botocore.exceptions import ClientError, ParamValidationError
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException, ValidationError

from embedded_aws.clients import account_client
from embedded_aws.extensions.base import Extension, Patcher


def service_client(service: str, account_id: str, region: str) -> Any:
    """A client acting in ``account_id`` against this process's server (or moto's mock)."""
    return account_client(f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}", service, account_id, region)


def camel_keys(value: Any, keep: tuple[str, ...] = (), renames: dict[str, str] | None = None) -> Any:
    """``PascalCase`` CloudFormation property names to the API's ``camelCase``.

    ``keep`` names maps whose content stays verbatim; ``renames`` fixes names that are not plain
    camelCase in the API (CodeBuild's ``BuildSpec`` is ``buildspec``).
    """
    renames = renames or {}
    if isinstance(value, dict):
        return {
            renames.get(key, key[:1].lower() + key[1:]): (item if key in keep else camel_keys(item, keep, renames))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [camel_keys(item, keep, renames) for item in value]
    return value


def cfn_tags(properties: dict[str, Any]) -> list[dict[str, str]]:
    """``Tags`` as a ``[{Key, Value}]`` list whether the template gave a list or a map."""
    tags = properties.get("Tags") or []
    if isinstance(tags, dict):
        return [{"Key": key, "Value": str(value)} for key, value in tags.items()]
    return [{"Key": tag["Key"], "Value": str(tag["Value"])} for tag in tags]


class ApiResource:
    """Base of the resource types the embedded AWS adds to moto's CloudFormation."""

    TYPE: ClassVar[str] = ""
    SERVICE: ClassVar[str] = ""
    #: The property that names the resource ("" when it has none).
    NAME_PROPERTY: ClassVar[str] = ""
    #: Attributes ``Fn::GetAtt`` may ask for.
    ATTRIBUTES: ClassVar[tuple[str, ...]] = ()

    def __init__(self, physical_id: str, attributes: dict[str, Any], properties: dict[str, Any], account_id: str, region: str) -> None:
        self.physical_id = physical_id
        self.attributes = attributes
        self.properties = properties
        self.account_id = account_id
        self.region = region

    # -- what the subclass implements ----------------------------------------------------
    @classmethod
    def create(cls, client: Any, name: str, properties: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Create the resource; return its physical id (what ``Ref`` gives) and attributes."""
        raise NotImplementedError

    @classmethod
    def remove(cls, client: Any, physical_id: str, properties: dict[str, Any]) -> None:
        """Delete the resource."""
        raise NotImplementedError

    # -- moto's CloudFormationModel interface --------------------------------------------
    @property
    def physical_resource_id(self) -> str:
        return self.physical_id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name in self.attributes:
            return self.attributes[attribute_name]
        raise UnformattedGetAttTemplateException()

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRIBUTES

    def is_created(self) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kwargs: Any
    ) -> ApiResource:
        properties = cloudformation_json.get("Properties") or {}
        client = service_client(cls.SERVICE, account_id, region_name)
        try:
            physical_id, attributes = cls.create(client, resource_name, properties)
        except ClientError as exc:
            error = exc.response["Error"]
            logical_id = kwargs.get("LogicalId", resource_name)
            raise ValidationError(message=f"{logical_id} ({cls.TYPE}): {error.get('Code')}: {error.get('Message')}") from exc
        except ParamValidationError as exc:
            logical_id = kwargs.get("LogicalId", resource_name)
            raise ValidationError(message=f"{logical_id} ({cls.TYPE}): {exc}") from exc
        except KeyError as exc:
            logical_id = kwargs.get("LogicalId", resource_name)
            raise ValidationError(message=f"{logical_id} ({cls.TYPE}): required property {exc.args[0]} is missing") from exc
        return cls(physical_id, attributes, properties, account_id, region_name)

    @classmethod
    def update_from_cloudformation_json(
        cls, original_resource: ApiResource, new_resource_name: str, cloudformation_json: dict[str, Any],
        account_id: str, region_name: str,
    ) -> ApiResource:
        """Replace the resource (delete, then create with the new properties)."""
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str
    ) -> None:
        cls.remove(service_client(cls.SERVICE, account_id, region_name), resource_name, cloudformation_json.get("Properties") or {})

    def delete(self, account_id: str, region_name: str) -> None:
        type(self).remove(service_client(self.SERVICE, self.account_id, self.region), self.physical_id, self.properties)


_ADDED_TYPES: dict[str, type[ApiResource]] = {}
_hooked = False


def _hook_model_maps() -> None:
    """Let moto's parser see :data:`_ADDED_TYPES` (installed once; inert while the dict is empty)."""
    global _hooked
    if _hooked:
        return
    original_models = cfn_parsing.get_model_map
    original_names = cfn_parsing.get_name_type_map

    def get_model_map() -> dict[str, Any]:
        return {**original_models(), **_ADDED_TYPES}

    def get_name_type_map() -> dict[str, str]:
        return {**original_names(), **{t: cls.NAME_PROPERTY for t, cls in _ADDED_TYPES.items()}}

    cfn_parsing.get_model_map = get_model_map  # type: ignore[assignment]
    cfn_parsing.get_name_type_map = get_name_type_map  # type: ignore[assignment]
    _hooked = True


def register_resource_types(patcher: Patcher, *resource_types: type[ApiResource]) -> None:
    """Make moto's CloudFormation parser create ``resource_types`` instead of skipping them."""
    _hook_model_maps()
    for cls in resource_types:
        _ADDED_TYPES[cls.TYPE] = cls

    def unregister() -> None:
        for cls in resource_types:
            _ADDED_TYPES.pop(cls.TYPE, None)

    patcher.on_undo(unregister)


def transform_cfn_properties(patcher: Patcher, model: type, transform: Any) -> None:
    """Make ``model``'s CloudFormation create see ``transform(properties)`` (moto's model does the rest)."""
    create = model.create_from_cloudformation_json

    def create_from_cloudformation_json(cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str, **kwargs: Any) -> Any:
        converted = {**cloudformation_json, "Properties": transform(cloudformation_json.get("Properties") or {})}
        return create(resource_name, converted, account_id, region_name, **kwargs)

    patcher.replace(model, "create_from_cloudformation_json", classmethod(create_from_cloudformation_json))


class ResourceTypesExtension(Extension):
    """An extension that only adds CloudFormation resource types."""

    resource_types: tuple[type[ApiResource], ...] = ()

    def install(self, patcher: Patcher) -> None:
        register_resource_types(patcher, *self.resource_types)
