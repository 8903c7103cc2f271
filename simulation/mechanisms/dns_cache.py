"""dns_cache — resolvers that keep answers for a TTL, so DNS changes spread gradually.

Clients reach a service through `resolvers` caching resolvers. Each resolver holds the
last answer it got: a good answer for `ttl_s`, an empty (negative) answer for
`negative_ttl_s`. When the upstream record empties (signal `answer_signal` drops to 0),
resolvers keep serving their cached good answer until it expires, then cache the empty
answer; when the record is restored, each keeps its empty answer until that expires. So
failure and recovery both spread over a TTL (AWS: DNS restored 02:25, customers
recovered by 02:40 as "cached DNS records expired").

    good --ttl expires, record empty--> negative --neg ttl expires, record ok--> good
      ^--ttl expires, record ok--+        ^--neg ttl expires, still empty--+

While the record is healthy nothing is scheduled (a resolver's refresh changes
nothing); each resolver has a fixed phase in its TTL cycle, so when the record empties
its good answer expires at the next multiple of ttl_s after that phase.

Params: answer_signal (`<mechanism>.<signal>`), resolvers (count), ttl_s (s),
negative_ttl_s (s), negative_ttl_min_s (s; resolvers cap negative TTLs differently, so
each gets its own in [min, max] — this desynchronises them), down_error_rate (fraction
at which the service counts as down).
Action `override`: operators pin good answers (e.g. a temporary internal mitigation);
`unpin` undoes it.
Metrics: error_rate (fraction of resolvers holding no usable answer), negative (count),
pinned (bool).
"""

from __future__ import annotations

from typing import Any, ClassVar

from simulation.mechanisms.base import Contribution, Mechanism, World, status_from_error
from simulation.mechanisms.shows import Chart, Shows, Signal
from simulation.params import Param
from simulation.spec import MechanismSpec


class DnsCache(Mechanism):
    TYPE = "dns_cache"
    PARAMS: ClassVar[dict[str, Param]] = {
        "answer_signal": Param(
            "str", "", "", "signal that is 1 while the record has addresses (e.g. ddb-dns.answer)"
        ),
        "resolvers": Param(
            "int", 200, "", "caching resolvers (each a share of clients)", 1, 100000
        ),
        "ttl_s": Param("float", 60.0, "s", "TTL of a good answer", 0.001, 86400),
        "negative_ttl_s": Param(
            "float", 900.0, "s", "how long an empty answer is cached", 0.001, 86400
        ),
        "negative_ttl_min_s": Param(
            "float",
            0.0,
            "s",
            "if > 0, each resolver caps empty "
            "answers at its own TTL, uniform in [this, negative_ttl_s]",
            0,
            86400,
        ),
        "down_error_rate": Param("float", 0.5, "fraction", "error rate counted as down", 0.0, 1.0),
    }
    ACTIONS: ClassVar[dict[str, dict[str, Param]]] = {"override": {}, "unpin": {}}
    METRICS = ("error_rate", "negative", "pinned")
    SHOWS = Shows(
        title="DNS caches",
        signals=(
            Signal("error_rate", "resolvers without an answer", "%", "level", 100),
            Signal("negative", "resolvers caching an empty answer", "resolvers", "count"),
            Signal("pinned", "answers pinned by operators", "", "boolean"),
        ),
        charts=(Chart("resolvers without an answer", ("error_rate",), max=100),),
        panel=("error_rate", "negative", "pinned"),
    )
    SIGNAL_PARAMS = ("answer_signal",)

    def __init__(self, spec: MechanismSpec, world: World) -> None:
        super().__init__(spec, world)
        n = self.params["resolvers"]
        ttl_ms = self._ttl_ms()
        self.phase_ms = [self.rng.randrange(ttl_ms) for _ in range(n)]
        neg_max, neg_min = self.params["negative_ttl_s"], self.params["negative_ttl_min_s"]
        self.negative_ttl_ms = [
            int((self.rng.uniform(neg_min, neg_max) if 0 < neg_min < neg_max else neg_max) * 1000)
            for _ in range(n)
        ]
        self.negative = [False] * n
        self.pending = [False] * n
        self.negative_count = 0
        self.pinned = False
        self.was_falling = False
        self.last_error = 0.0

    def state_key(self) -> Any:
        return (self.negative_count, self.pinned, self.was_falling, self.last_error)

    def _ttl_ms(self) -> int:
        return max(1, int(self.params["ttl_s"] * 1000))

    def start(self) -> None:
        self.world.subscribe(self.params["answer_signal"], self._on_signal)

    def _answer_ok(self) -> bool:
        return self.pinned or self.world.signal(self.params["answer_signal"]) > 0.5

    def _on_signal(self, value: float) -> None:
        if value > 0.5 or self.pinned:
            return
        now, ttl_ms = self.engine.now_ms, self._ttl_ms()
        for i, phase in enumerate(self.phase_ms):
            if self.negative[i] or self.pending[i]:
                continue
            wait_ms = (phase - now) % ttl_ms or ttl_ms
            self.pending[i] = True
            self.engine.after(wait_ms, self._expire_fn(i))

    def _expire_fn(self, i: int) -> Any:
        return lambda: self._expire(i)

    def _expire(self, i: int) -> None:
        """Resolver i's cached answer expired: ask again."""
        self.pending[i] = False
        if self._answer_ok():
            if self.negative[i]:
                self.negative[i] = False
                self.negative_count -= 1
            return
        if not self.negative[i]:
            self.negative[i] = True
            self.negative_count += 1
        self.pending[i] = True
        self.engine.after(self.negative_ttl_ms[i], self._expire_fn(i))

    def act(self, action: str, params: dict[str, Any]) -> None:
        self.pinned = action == "override"
        text = (
            "Resolvers are pointed at working addresses by hand; cached empty answers "
            "still expire on their own"
            if self.pinned
            else "Manual DNS override removed"
        )
        self.world.emit(
            "operator", f"dns_cache.{action}", text, self.services[0] if self.services else None, {}
        )
        if not self.pinned:
            self._on_signal(self.world.signal(self.params["answer_signal"]))

    def error_rate(self) -> float:
        return self.negative_count / len(self.negative)

    def contribution(self, t_ms: int) -> Contribution:
        error = round(self.error_rate(), 4)
        falling = error < self.last_error or (error == self.last_error and self.was_falling)
        self.was_falling, self.last_error = falling and error > 0, error
        status = status_from_error(error, falling, down_at=self.params["down_error_rate"])
        return self.each_service(status, error)

    def metrics(self, t_ms: int) -> dict[str, Any]:
        return {
            "error_rate": round(self.error_rate(), 4),
            "negative": self.negative_count,
            "pinned": self.pinned,
        }
