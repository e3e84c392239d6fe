"""Events and webhooks, the same in every service that emits them (applications, budget).

- **Events** are CloudEvents 1.0 (`events.py`): `specversion`, `id` (a UUID), `source` (the service's
  public URL), `type` (`se.interreg.<resource>.<what happened>`), `subject` (`<resources>/<id>`),
  `time`, `datacontenttype` and a thin `data` (ids, status, a `link` to the resource; never personal data).
- **Written with the change.** `events.emit(session, …)` runs in the transaction of the state change and
  records one delivery per active subscription whose filter names the type: a row of an outbox-shaped
  table (`webhook_deliveries`, `shared.outbox`), so an event of a committed change is delivered at least
  once, with one id, whatever crashes after the commit. An event nobody subscribes to is not kept: the
  resource and its history are the record.
- **Delivery** (`delivery.py`): the outbox relay of that table POSTs each event in structured mode
  (`application/cloudevents+json`) with the Standard Webhooks headers (`signing.py`), in order per
  subscription and subject; 2xx is done, 410 disables the subscription, anything else is retried with
  exponential back-off and jitter over about three days (`Retry-After` honoured), then dead.
- **Subscriptions** (`subscriptions.py`, routes in `routes.py`): per integrator, with event-type filters,
  a destination checked against `<SERVICE>_WEBHOOK_ALLOWED_DESTINATIONS` (`destinations.py`), secrets
  `whsec_…` shown once and rotated with the old one valid for a period, a delivery log and replay.
"""
