from coinex.client.ratelimit import DEFAULT_RATES_PER_S, RateGroup, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_coinex_group_rates():
    assert DEFAULT_RATES_PER_S[RateGroup.ORDER] == 20
    assert DEFAULT_RATES_PER_S[RateGroup.CANCEL] == 40
    assert DEFAULT_RATES_PER_S[RateGroup.ACCOUNT] == 10


def test_a_burst_up_to_the_rate_passes_then_calls_are_spaced():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_s=20, clock=clock, sleep=clock.sleep)
    waits = [bucket.acquire() for _ in range(20)]
    assert waits == [0.0] * 20
    assert bucket.acquire() > 0  # the 21st waits for a refill
    assert abs(sum(clock.slept) - 1 / 20) < 1e-9


def test_tokens_refill_with_time():
    clock = FakeClock()
    bucket = TokenBucket(rate_per_s=10, clock=clock, sleep=clock.sleep)
    for _ in range(10):
        bucket.acquire()
    assert not bucket.try_acquire()
    clock.now += 0.5
    assert sum(bucket.try_acquire() for _ in range(10)) == 5
