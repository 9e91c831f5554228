"""Live delivery to whoever is watching a client's conversation (widget tabs, later workers)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

Frame = dict[str, Any]


class Hub:
    """Fan-out of frames to subscribers per client, in publish order for each subscriber."""

    def __init__(self, queue_size: int = 1000) -> None:
        self._queues: dict[int, set[asyncio.Queue[Frame]]] = defaultdict(set)
        self._queue_size = queue_size

    def subscribe(self, client_id: int) -> asyncio.Queue[Frame]:
        queue: asyncio.Queue[Frame] = asyncio.Queue(self._queue_size)
        self._queues[client_id].add(queue)
        return queue

    def unsubscribe(self, client_id: int, queue: asyncio.Queue[Frame]) -> None:
        subscribers = self._queues.get(client_id)
        if subscribers is not None:
            subscribers.discard(queue)
            if not subscribers:
                del self._queues[client_id]

    def publish(self, client_id: int, frame: Frame) -> None:
        for queue in list(self._queues.get(client_id, ())):
            try:
                queue.put_nowait(frame)
            except asyncio.QueueFull:
                # A stalled subscriber catches up from the database when it reconnects.
                self.unsubscribe(client_id, queue)

    def watchers(self, client_id: int) -> int:
        return len(self._queues.get(client_id, ()))
