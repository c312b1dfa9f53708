"""SES feedback: the wiring (configuration set → SNS → SQS), draining and reading its events,
each recipient's outcome, suppression, the reputation guard and settling uncertain sends.

Modules: `wiring` (set-up, health, warnings), `parse` (bodies → events, pure), `intake`
(drain: receive → one transaction → delete), `outcomes` (what an event does to the store),
`suppression`, `guard` (the self-pause rule, pure, and the broadcast's watcher thread),
`reputation`, `report` (per-recipient report and counts), `tags` (what every send carries),
`uncertain` ("probably not sent").
"""
