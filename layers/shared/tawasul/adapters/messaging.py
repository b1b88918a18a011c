"""Outgoing messages: e-mail through SES, SMS through SNS (port ``MessageSender``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from tawasul.adapters.aws import client
from tawasul.adapters.dynamodb import translated_errors
from tawasul.domain.notifications import Channel, Message
from tawasul.errors import MessageNotSent

SendObserver = Callable[[Channel, str, Message, str], None]
_observers: list[SendObserver] = []


def observe_sends(observer: SendObserver) -> Callable[[], None]:
    """Be told of every message sent in this process (the local runtime's outbox; nobody
    listens on AWS). Returns the function that stops the observation."""
    _observers.append(observer)
    return lambda: _observers.remove(observer) if observer in _observers else None


class SesSnsSender:
    def __init__(self, sender_email: str, ses: Any | None = None, sns: Any | None = None) -> None:
        self._from = sender_email
        self._ses = ses
        self._sns = sns

    @property
    def ses(self) -> Any:
        if self._ses is None:
            self._ses = client("ses")
        return self._ses

    @property
    def sns(self) -> Any:
        if self._sns is None:
            self._sns = client("sns")
        return self._sns

    def send(self, channel: Channel, address: str, message: Message) -> str:
        try:
            with translated_errors():
                message_id = (
                    self._email(address, message) if channel is Channel.EMAIL else self._sms(address, message)
                )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "Unknown")
            raise MessageNotSent(f"{channel.value}: {code}") from None  # its message may name the address
        for observer in list(_observers):
            observer(channel, address, message, message_id)
        return message_id

    def _email(self, address: str, message: Message) -> str:
        if not self._from:
            raise RuntimeError("SENDER_EMAIL is not configured")
        answer = self.ses.send_email(
            Source=self._from,
            Destination={"ToAddresses": [address]},
            Message={
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": message.text, "Charset": "UTF-8"},
                    "Html": {"Data": message.html, "Charset": "UTF-8"},
                },
            },
        )
        return str(answer["MessageId"])

    def _sms(self, address: str, message: Message) -> str:
        answer = self.sns.publish(
            PhoneNumber=address if address.startswith("+") else f"+{address}",
            Message=message.sms,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )
        return str(answer["MessageId"])
