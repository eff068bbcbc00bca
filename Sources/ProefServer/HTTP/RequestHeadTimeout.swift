import NIOCore
import NIOHTTPTypes

/// Closes a connection that does not send a request head in time: the first within
/// `first` of connecting, each later one within `between` of the previous response's end (a
/// kept-alive connection left idle is closed then too). A client that trickles its headers a
/// byte at a time (slow loris) keeps a read-idle timeout from ever firing, and a few dozen of
/// them held every connection; this bounds the whole head instead. A request being read or
/// answered is never cut: the clock stops at its head, and the read-idle timeout covers a
/// body that stops arriving.
final class RequestHeadTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let first: TimeAmount
    private let between: TimeAmount
    private var pending: Scheduled<Void>?

    init(first: TimeAmount, between: TimeAmount) {
        self.first = first
        self.between = between
    }

    func handlerAdded(context: ChannelHandlerContext) { arm(context, first) }

    func handlerRemoved(context: ChannelHandlerContext) {
        pending?.cancel()
        pending = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) {
            pending?.cancel()
            pending = nil
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { arm(context, between) }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ timeout: TimeAmount) {
        pending?.cancel()
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        pending = context.eventLoop.scheduleTask(in: timeout) { bound.value.close(promise: nil) }
    }
}
