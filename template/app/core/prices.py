"""Model prices (USD per million tokens) and the cost of a call.

The table is settings data: override it with `LLM_PRICES`, e.g.
`{"my-model": {"input": 0.5, "output": 1.5}}`. Unknown models cost 0: the token counts stay
exact, only the money estimate is missing.
"""

from pydantic import BaseModel, Field


class ModelPrice(BaseModel):
    input: float = Field(ge=0, description="USD per million prompt tokens")
    output: float = Field(ge=0, description="USD per million completion tokens")


# List prices when this template was written; check your provider's page and override as needed.
DEFAULT_PRICES: dict[str, ModelPrice] = {
    "gpt-4o-mini": ModelPrice(input=0.15, output=0.60),
    "gpt-4o": ModelPrice(input=2.50, output=10.00),
    "gpt-4.1-mini": ModelPrice(input=0.40, output=1.60),
    "gpt-4.1": ModelPrice(input=2.00, output=8.00),
    "claude-sonnet-5": ModelPrice(input=3.00, output=15.00),
    "claude-haiku-4-5": ModelPrice(input=1.00, output=5.00),
}


def estimate_cost(
    prices: dict[str, ModelPrice], model: str, prompt_tokens: int, completion_tokens: int
) -> float:
    price = prices.get(model)
    if price is None:
        return 0.0
    return (prompt_tokens * price.input + completion_tokens * price.output) / 1_000_000
