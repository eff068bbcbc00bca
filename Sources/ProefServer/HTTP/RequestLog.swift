import Foundation
import Hummingbird

/// One log line per request once it is answered: method, path (never the query, which may
/// name a filter but is not needed to trace a call), status and milliseconds, under the
/// request's `hb.request.id`. Outermost, so it sees the status every other layer settled on.
struct RequestLog<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        func log(_ status: Int) {
            let ms = (ContinuousClock.now - start) / .milliseconds(1)
            context.logger.info("request", metadata: [
                "method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(status)", "ms": "\(String(format: "%.1f", ms))",
            ])
        }
        do {
            let response = try await next(request, context)
            log(Int(response.status.code))
            return response
        } catch let error as HTTPError {
            log(Int(error.status.code))
            throw error
        } catch {
            log(500)
            throw error
        }
    }
}
