"""`POST /v1/offers/batch` — many offers in one request, answered per item (services/matching/batches.py)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from chanjiao.app import SessionDep
from chanjiao.auth import PrincipalDep
from chanjiao.batch import Atomic, BatchBody, ParsedBatch
from chanjiao.errors import problem_responses
from chanjiao.i18n import wants_english
from chanjiao.idempotency import IdempotencyDep, IdempotencyKey
from chanjiao.resources import recorded
from services.matching import batches
from services.matching.batches import PostingBatchResult
from services.matching.market import WHO, WRITE
from services.matching.offers import service
from services.matching.offers.schemas import EXAMPLE_IN, OfferCreate

router = APIRouter(prefix="/v1/offers", tags=["offers"])

BODY = BatchBody(OfferCreate, example={"items": [EXAMPLE_IN]}, what="the body of `POST /v1/offers`")


@router.post(
    "/batch",
    response_model=PostingBatchResult,
    dependencies=[WRITE],
    openapi_extra=BODY.openapi,
    summary="批量登记供给 Post offers in a batch",
    description="一次最多登记 1000 项供给（均为草稿），每项单独校验并各自返回结果。\n\n"
    "Up to 1000 items, each shaped like the body of `POST /v1/offers` and checked on its own; each valid one is "
    "saved as a draft. Answers 200 with one result per item: `201` + `id`, or the item's problem (`422`). An item "
    "posting for another organization makes the whole batch 403 (the items are listed; nothing is saved). With "
    "`atomic=true` the batch is all-or-nothing: any failed item → 422 with every item's result (valid ones as "
    "`424`, not committed). `Idempotency-Key` keys the batch as a whole." + WHO,
    responses={
        200: {"content": {"application/json": {"example": batches.BATCH_EXAMPLE}}},
        **problem_responses(400, 401, 403, 409, 413, 422),
    },
)
async def create_offer_batch(
    request: Request,
    body: Annotated[ParsedBatch[OfferCreate], Depends(BODY)],
    session: SessionDep,
    principal: PrincipalDep,
    idem: IdempotencyDep,
    atomic: Atomic = False,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    if idem.replay is not None:
        return idem.replay

    outcome = await batches.create_many(
        session,
        parsed=body,
        principal=principal,
        build=service.new,
        audit=service.AUDIT,
        english=wants_english(request),
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
    )
    if atomic and outcome.failed:
        await session.rollback()
        raise batches.reject_atomic(outcome)
    result = PostingBatchResult(committed=True, created=outcome.created, failed=outcome.failed, results=outcome.results)
    return await recorded(session, idem, JSONResponse(result.model_dump(mode="json", exclude_none=True)))
