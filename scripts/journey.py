"""The whole journey through the four services, step by step, each step checked and narrated.

An admin sets up the catalogue; an enterprise registers, is verified and applies; the first submission
is returned, the fixed one accepted; the approver approves by replying to the mail; two agents work the
ticket; the order completes, is rated and shows in the monitor's figures. Any step that does not happen
raises `StepFailed`.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx
from journey_kit import Cast, Narrator, StepFailed, SuiteUrls, Trail, credit_code, expect, pdf, wait_for

REPLY = "同意：材料齐全"  # what the approver types at the top of the reply (approve, with a comment)


class Journey:
    def __init__(self, urls: SuiteUrls, narrator: Narrator | None = None, timeout: float = 60.0) -> None:
        self.urls = urls
        self.say = narrator or Narrator()
        self.timeout = timeout
        self.cast = Cast.fresh()
        self.trail = Trail()
        self.orders = httpx.Client(base_url=urls.orders, timeout=15)
        self.approval = httpx.Client(base_url=urls.approval, timeout=15)
        self.ticketing = httpx.Client(base_url=urls.ticketing, timeout=15)
        self.bridge = httpx.Client(base_url=urls.mail_bridge, timeout=15)

    def close(self) -> None:
        for client in (self.orders, self.approval, self.ticketing, self.bridge):
            client.close()

    def run(self) -> Trail:
        self.set_up_catalogue()
        self.register_enterprise()
        self.apply_returned_then_accepted()
        self.approve_by_mail()
        self.work_the_ticket()
        self.complete_and_rate()
        self.monitor_figures()
        return self.trail

    # -- 1. the catalogue ---------------------------------------------------------------------------

    def set_up_catalogue(self) -> None:
        c, admin = self.cast, self.cast.admin.headers()
        self.say.step(f"{c.admin.name} sets up the catalogue: a category, a ticket type, an item")
        desk = f"loans-{c.suffix}"
        kind = {"key": desk, "name": "科技贷受理", "sla_minutes": 600, "default_priority": 50}
        expect(self.ticketing.post("/v1/ticket-types", json=kind, headers=admin), 201, "the ticket type")
        self.trail["ticket_type"] = desk
        category = expect(
            self.orders.post("/v1/catalog/categories", headers=admin,
                             json={"name": f"融资服务 {c.suffix}", "description": "园区企业融资"}),
            201, "the category",
        )  # fmt: skip
        self.trail["category_id"] = category["id"]
        approver = {"id": c.approver.sub, "email": c.approver.email, "email_approval": True}
        item = expect(
            self.orders.post("/v1/catalog/items", headers=admin, json={
                "name": f"科技贷 {c.suffix}", "category_id": category["id"],
                "description": "面向园区科技企业的信用贷款",
                "form_schema": {"type": "object", "required": ["amount"],
                                "properties": {"amount": {"type": "integer", "minimum": 1}}},
                "materials": [{"key": "plan", "name": "商业计划书", "required": True,
                               "content_types": ["application/pdf"], "max_bytes": 500_000, "min_pages": 2}],
                "provider": {"kind": "internal", "ticket_type": desk},
                "approval": {"combine": "all", "groups": [{"name": "园区审批", "mode": "all",
                                                           "approvers": [approver]}]},
            }),
            201, "the item",
        )  # fmt: skip
        self.trail["item_id"] = item["id"]
        self.say.state("category", f"{category['name']} ({category['id']})")
        self.say.state(
            "ticket type", f"{desk}: SLA {kind['sla_minutes']} min, priority {kind['default_priority']}"
        )
        self.say.state(
            "item", f"{item['name']} v{item['version']}: needs amount + 商业计划书 (PDF, ≥ 2 pages)"
        )
        self.say.state("approval", f"园区审批: {c.approver.name} <{c.approver.email}>, by mail")
        self.say.state("provider", f"internal → ticket type {desk}")

    # -- 2. the enterprise --------------------------------------------------------------------------

    def register_enterprise(self) -> None:
        c, user = self.cast, self.cast.applicant.headers()
        self.say.step(f"{c.applicant.name} registers the enterprise; {c.admin.name} verifies it")
        licence = self.upload("licence.pdf", pdf(1))
        code = credit_code()
        enterprise = expect(
            self.orders.post("/v1/enterprises", headers=user, json={
                "name": f"上海星河智能科技有限公司 {c.suffix}", "credit_code": code,
                "certificate_file_id": licence,
            }),
            201, "the enterprise registration",
        )  # fmt: skip
        self.trail["enterprise_id"] = enterprise["id"]
        self.say.state("registered", f"{enterprise['name']}, USCC {code}: {enterprise['status']}")
        verified = expect(
            self.orders.post(f"/v1/enterprises/{enterprise['id']}/review", json={"decision": "verify"},
                             headers=c.admin.headers()),
            200, "the verification",
        )  # fmt: skip
        if verified["status"] != "verified":
            raise StepFailed(f"the enterprise is {verified['status']} after verification")
        self.say.state("reviewed", verified["status"])

    # -- 3. the application -------------------------------------------------------------------------

    def apply_returned_then_accepted(self) -> None:
        user = self.cast.applicant.headers()
        self.say.step("the enterprise applies: the first submission is returned, the fixed one accepted")
        thin_plan = self.upload("plan.pdf", pdf(1))
        first = expect(
            self.orders.post("/v1/applications", headers=user, json={
                "item_id": self.trail["item_id"], "form": {}, "materials": {"plan": thin_plan},
                "channel": "web",
            }),
            201, "the first submission",
        )  # fmt: skip
        self.trail["application_id"] = first["id"]
        if first["status"] != "returned" or not first["problems"]:
            raise StepFailed(f"the incomplete submission was {first['status']}, not returned with reasons")
        self.say.state("submission 1", f"{first['status']}:")
        for problem in first["problems"]:
            self.say.state("", f"{problem['field']}: {problem['reason']} ({problem['code']})")
        plan = self.upload("plan-v2.pdf", pdf(3))
        second = expect(
            self.orders.put(f"/v1/applications/{first['id']}", headers=user,
                            json={"form": {"amount": 3_000_000}, "materials": {"plan": plan}}),
            200, "the resubmission",
        )  # fmt: skip
        if second["status"] != "accepted" or not second["order_id"]:
            raise StepFailed(f"the fixed submission was {second['status']}: {second['problems']}")
        self.trail["order_id"] = second["order_id"]
        order = self.order()
        self.say.state("submission 2", f"accepted → order {order['number']}: {order['status']}")
        self.say.state("history", " → ".join(h["action"] for h in second["history"]))
        if order["status"] != "awaiting_approval":
            raise StepFailed(f"the new order is {order['status']}, not awaiting_approval")

    # -- 4. approval by e-mail ----------------------------------------------------------------------

    def approve_by_mail(self) -> None:
        c = self.cast
        self.say.step(f"{c.approver.name} approves by replying to the mail, in Chinese")
        order = wait_for(
            lambda: (o := self.order())["approval_request_id"] and o, "the order's approval request",
            self.timeout,
        )  # fmt: skip
        request_id = order["approval_request_id"]
        self.trail["request_id"] = request_id
        approver = c.approver.headers()
        request = expect(
            self.approval.get(f"/v1/approval-requests/{request_id}", headers=approver), 200, "the request"
        )
        task = request["groups"][0]["tasks"][0]
        self.trail["task_id"] = task["id"]
        self.say.state(
            "approval", f"request {request_id}: {request['status']}, task for {task['approver_id']}"
        )
        sent = wait_for(lambda: self.sent_mail(task["id"]), "the task mail in the bridge's local sink",
                        self.timeout)  # fmt: skip
        self.trail["mail_id"] = sent["id"]
        mail = email.message_from_string(sent["raw"], policy=email.policy.default)
        self.say.state("mail sent", f"to {sent['to_address']}: {mail['Subject']}")
        self.say.state("reply to", str(mail["Reply-To"]))
        self.reply(mail, REPLY)
        self.say.state("replied", f"{REPLY!r} via SMTP {self.urls.mail_host}:{self.urls.mail_port}")

        def decided() -> dict[str, Any] | None:
            view = expect(self.approval.get(f"/v1/approval-requests/{request_id}", headers=approver), 200,
                          "the request")  # fmt: skip
            return view if view["status"] != "pending" else None

        view = wait_for(decided, "approval to record the mailed decision", self.timeout)
        done = view["groups"][0]["tasks"][0]
        self.say.state(
            "decision", f"task {done['status']} via {done['channel']}, comment {done['comment']!r}"
        )
        self.say.state("request", view["status"])
        if (view["status"], done["status"], done["channel"], done["comment"]) != (
            "approved",
            "approved",
            "email",
            REPLY.split("：", 1)[1],
        ):
            raise StepFailed(f"the mailed reply left the request {view['status']} via {done['channel']}")
        inbound = expect(self.bridge.get("/v1/mail/inbound", params={"task_id": task["id"]},
                                         headers=c.admin.headers()), 200, "the bridge's inbound log")  # fmt: skip
        self.say.state("bridge", ", ".join(m["outcome"] for m in inbound["items"]))
        if [m["outcome"] for m in inbound["items"]] != ["applied"]:
            raise StepFailed(f"the bridge recorded {inbound['items']!r} for the reply")
        confirmed = wait_for(lambda: self.sent_mail(task["id"], "confirmation"),
                             "the bridge's confirmation to the approver", self.timeout)  # fmt: skip
        self.say.state("confirmation", f"to {confirmed['to_address']}: {confirmed['subject']}")
        dispatched = wait_for(lambda: (o := self.order())["status"] == "dispatched" and o,
                              "the order to be dispatched", self.timeout)  # fmt: skip
        self.say.state("order", f"{dispatched['status']}, ticket {dispatched['ticket_id']}")

    def sent_mail(self, task_id: str, kind: str = "task") -> dict[str, Any] | None:
        found = expect(
            self.bridge.get("/v1/mail/outbound", params={"task_id": task_id, "kind": kind},
                            headers=self.cast.admin.headers()),
            200, "the bridge's outbound mail",
        )  # fmt: skip
        return next((m for m in found["items"] if m["status"] == "sent" and m["raw"]), None)

    def reply(self, mail: email.message.EmailMessage, text: str) -> None:
        """What the approver's mail client sends: from their address, to the Reply-To, in the thread."""
        reply = EmailMessage()
        reply["From"] = f"{self.cast.approver.name} <{self.cast.approver.email}>"
        reply["To"] = str(mail["Reply-To"])
        reply["Subject"] = "回复: " + str(mail["Subject"])
        reply["Message-ID"] = make_msgid(domain="park.example")
        reply["In-Reply-To"] = reply["References"] = str(mail["Message-ID"])
        reply.set_content(f"{text}\n\n-- \n{self.cast.approver.name}\n园区管委会\n")  # a signed reply
        with smtplib.SMTP(self.urls.mail_host, self.urls.mail_port, timeout=15) as smtp:
            smtp.send_message(reply)

    # -- 5. the ticket ------------------------------------------------------------------------------

    def work_the_ticket(self) -> None:
        c, desk = self.cast, self.trail["ticket_type"]
        first, second = c.first_agent.headers(), c.second_agent.headers()
        self.say.step("the ticket: claimed, locked, handed off once, claimed again, resolved")

        def claim(agent: dict[str, str]) -> dict[str, Any] | None:
            response = self.ticketing.post("/v1/pool/claim", json={"types": [desk]}, headers=agent)
            return expect(response, 200, "the claim") if response.status_code != 204 else None

        ticket = wait_for(lambda: claim(first), "the order's ticket in the pool", self.timeout)
        if ticket["data"]["order_id"] != self.trail["order_id"]:
            raise StepFailed(f"claimed ticket {ticket['id']} of another order")
        self.trail["ticket_id"] = ticket["id"]
        self.say.state("claimed", f"{c.first_agent.name}: {ticket['title']}, priority {ticket['priority']}")
        lock = expect(self.ticketing.post(f"/v1/tickets/{ticket['id']}/lock", json={"minutes": 30},
                                          headers=first), 200, "the lock")  # fmt: skip
        self.say.state("locked", f"until {lock['locked_until']}")
        handed = expect(self.ticketing.post(f"/v1/tickets/{ticket['id']}/handoff", headers=first,
                                            json={"reason": "需要信贷专员复核"}), 200, "the hand-off")  # fmt: skip
        self.say.state(
            "handed off", f"{handed['status']}, priority {ticket['priority']} → {handed['priority']}"
        )
        again = claim(second)
        if again is None or again["id"] != ticket["id"]:
            raise StepFailed(f"{c.second_agent.name} did not get the handed-off ticket back: {again!r}")
        self.say.state("claimed", f"{c.second_agent.name}, hand-offs {again['handoffs']}")
        resolved = expect(self.ticketing.post(f"/v1/tickets/{ticket['id']}/result", headers=second,
                                              json={"result": "已审核通过，放款 300 万元"}), 200, "the result")  # fmt: skip
        self.say.state("resolved", f"{resolved['status']}: {resolved['result']}")
        timeline = expect(self.ticketing.get(f"/v1/tickets/{ticket['id']}/timeline", headers=second), 200,
                          "the ticket's timeline")  # fmt: skip
        self.say.state("timeline", " → ".join(e["action"] for e in timeline))

    # -- 6. completion, rating, figures -------------------------------------------------------------

    def complete_and_rate(self) -> None:
        c = self.cast
        self.say.step("the order completes; the applicant rates it")
        done = wait_for(lambda: (o := self.order())["status"] == "completed" and o,
                        "the order to complete", self.timeout)  # fmt: skip
        if done["ticket_id"] != self.trail["ticket_id"] or done["handler_id"] != c.second_agent.sub:
            raise StepFailed(f"the order completed from ticket {done['ticket_id']} by {done['handler_id']}")
        self.say.state("order", f"{done['number']} {done['status']}: {done['result']}")
        self.say.state("progress", " → ".join(p["status"] for p in done["progress"]))
        rated = expect(
            self.orders.post(f"/v1/orders/{done['id']}/rating", json={"rating": 5, "comment": "办理很快"},
                             headers=c.applicant.headers()),
            200, "the rating",
        )  # fmt: skip
        self.say.state("rating", f"{rated['rating']['rating']}/5 {rated['rating']['comment']}")

    def monitor_figures(self) -> None:
        monitor = self.cast.monitor.headers()
        self.say.step(f"{self.cast.monitor.name}'s figures show it")
        stats = expect(self.orders.get("/v1/stats/orders", headers=monitor), 200, "the order stats")
        mine = next((i for i in stats["by_item"] if i["key"] == self.trail["item_id"]), None)
        self.say.state("orders", f"{stats['total']} in all, by status {stats['by_status']}")
        self.say.state("this item", f"{mine['name'] if mine else '?'}: {mine['count'] if mine else 0}")
        self.say.state("ratings", f"{stats['rated']} rated, mean {stats['mean_rating']}")
        if (
            mine is None
            or mine["count"] != 1
            or stats["by_status"].get("completed", 0) < 1
            or stats["rated"] < 1
        ):
            raise StepFailed(f"the monitor's figures do not show the order: {stats}")
        agents = expect(self.ticketing.get("/v1/stats/agents", headers=monitor), 200, "the agents' KPIs")
        kpi = next((a for a in agents if a["agent_id"] == self.cast.second_agent.sub), None)
        if kpi is None or kpi["handled"] != 1:
            raise StepFailed(f"ticketing's KPIs do not show {self.cast.second_agent.sub}: {agents}")
        self.say.state("agent KPIs", f"{self.cast.second_agent.name}: handled {kpi['handled']}, "
                       f"SLA met {kpi['sla_met_ratio']}")  # fmt: skip

    # -- helpers ------------------------------------------------------------------------------------

    def upload(self, name: str, content: bytes) -> str:
        uploaded = expect(
            self.orders.post("/v1/files", files={"file": (name, content, "application/pdf")},
                             headers=self.cast.applicant.headers()),
            201, f"the upload of {name}",
        )  # fmt: skip
        return str(uploaded["id"])

    def order(self) -> dict[str, Any]:
        found: dict[str, Any] = expect(
            self.orders.get(f"/v1/orders/{self.trail['order_id']}", headers=self.cast.applicant.headers()),
            200, "the order",
        )  # fmt: skip
        return found
