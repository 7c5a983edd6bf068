"""The expert track's JSON API (contract in DESIGN.md → Expert track). Experts only.

Items are the expert's own assignments; what they carry never names a team or a model.
"""
from ninja import Router, Schema, Status
from pydantic import StrictInt

from config.api import Error, Text
from config.roles import expert_auth
from expert import judging, selectors

router = Router(tags=["expert track"], auth=expert_auth)

ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 413: Error}


class Side(Schema):
    text: str


class Criterion(Schema):
    key: str
    label: str
    description: str = ""
    example: str = ""


class Progress(Schema):
    done: int  # judged
    skipped: int = 0
    total: int


class Item(Schema):
    id: int
    prompt: str
    domain: str
    a: Side
    b: Side
    criteria: list[Criterion]
    progress: Progress
    status: str
    judging: str = "open"  # "open" | "waiting" (not yet open, or paused) | "ended"
    draft: dict


class JudgmentSubmit(Schema):
    # Every field is optional here so that a missing choice is answered as an incomplete
    # rubric (the service's error), not as a malformed request.
    criteria: dict[str, Text | None] = {}
    overall: Text | None = None
    rationale: Text = ""
    seconds: StrictInt = 0


class Judged(Schema):
    id: int
    next: int | None
    progress: Progress


class Draft(Schema):
    criteria: dict[str, Text | None] = {}
    overall: Text | None = None
    rationale: Text = ""
    seconds: StrictInt = 0


class Saved(Schema):
    saved: bool


class Skip(Schema):
    reason: Text = ""


def _next_and_progress(request) -> dict:
    following = selectors.assignment_next(request.user)
    return {
        "next": following.pk if following else None,
        "progress": selectors.expert_progress(request.user),
    }


@router.get("/expert/next", response={200: Item, 204: None, **ERRORS})
def expert_next(request):
    """Return the expert's next item to judge, in queue order; 204 when the queue is done."""
    assignment = selectors.assignment_next(request.user)
    if assignment is None:
        return Status(204, None)
    judging.assignment_open(assignment_id=assignment.pk, user=request.user)
    return selectors.item_state(assignment)


@router.get("/expert/items/{int:item_id}", response={200: Item, **ERRORS})
def expert_item(request, item_id: int):
    """Return one of the expert's own items (judged ones too, with no identities)."""
    assignment = judging.assignment_open(assignment_id=item_id, user=request.user)
    return selectors.item_state(assignment)


@router.post("/expert/items/{int:item_id}/judgment", response={201: Judged, **ERRORS})
def expert_judgment(request, item_id: int, body: JudgmentSubmit):
    """Submit the expert's one judgment of their item: every criterion, overall, rationale."""
    judging.judgment_submit(
        assignment_id=item_id,
        user=request.user,
        criteria=body.criteria,
        overall=body.overall,
        rationale=body.rationale,
        seconds=body.seconds,
    )
    return Status(201, {"id": item_id, **_next_and_progress(request)})


@router.put("/expert/items/{int:item_id}/draft", response={200: Saved, **ERRORS})
def expert_draft(request, item_id: int, body: Draft):
    """Keep an unfinished judgment, so that nothing typed is lost."""
    judging.draft_save(assignment_id=item_id, user=request.user, draft=body.dict())
    return {"saved": True}


@router.post("/expert/items/{int:item_id}/skip", response={200: Judged, **ERRORS})
def expert_skip(request, item_id: int, body: Skip):
    """Skip an item with a reason (a conflict noticed late, outside one's expertise...)."""
    judging.assignment_skip(assignment_id=item_id, user=request.user, reason=body.reason)
    return {"id": item_id, **_next_and_progress(request)}
